{#- raw_pages(endpoint): the committed raw pages of one endpoint for the run_dates being built,
    as a FROM-able subquery with columns (run_date date, page_key varchar, page json/variant),
    one row per page. The one way models read raw data, on both targets. -#}

{% macro raw_pages(endpoint) -%}
    {#- source() here (not only in the dispatched branch) records the lineage at parse time. -#}
    {%- set relation = source('rawg', endpoint) -%}
    {%- if model.resource_type == 'unit_test' -%}
        {#- A unit test replaces the source with its fixture rows (`format: sql`, the page as
            JSON text, so the same fixture serves every target): read those. -#}
        (select run_date, page_key, {{ parse_json('page') }} as page from {{ relation }})
    {%- else -%}
        {{ return(adapter.dispatch('raw_pages', 'game_market')(endpoint, relation)) }}
    {%- endif -%}
{%- endmacro %}


{% macro snowflake__raw_pages(endpoint, relation) -%}
    {#- The raw table <raw schema>.<endpoint> (run_date date, page_key varchar, page variant),
        filled partition by partition from the lake by the loader (COPY INTO). -#}
    (
        select run_date, page_key, page
        from {{ relation }}
        where {{ in_built_range('run_date') }}
    )
{%- endmacro %}


{% macro duckdb__raw_pages(endpoint, relation) -%}
    {#- Straight from S3 through httpfs: the manifests of the days being built say which
        partitions are committed and which page files they hold; read exactly those files.
        A partition without _manifest.json is invisible; other days' files are not touched. -#}
    {%- set files = committed_page_files(endpoint) if execute else [] -%}
    {%- if files | length == 0 -%}
        {{ empty_raw_pages() }}
    {%- else -%}
        (
            select
                {{ partition_run_date('filename') }} as run_date,
                substr(filename, {{ lake_bucket_url() | length + 2 }}) as page_key,
                {{ parse_json('content') }} as page
            from read_text([
                {%- for file in files %}
                '{{ file | replace("'", "''") }}'{{ "," if not loop.last }}
                {%- endfor %}
            ])
        )
    {%- endif -%}
{%- endmacro %}


{% macro empty_raw_pages() -%}
    (
        select
            cast(null as date) as run_date,
            cast(null as varchar) as page_key,
            cast(null as {{ json_sql_type('json') }}) as page
        where 1 = 0
    )
{%- endmacro %}


{% macro committed_page_files(endpoint) -%}
    {#- DuckDB only. The s3:// URLs of the pages that committed manifests list, for the built
        days. Short ranges look for each day's manifest under that day's prefix only (the
        `[n]` makes glob list instead of assuming the file exists); longer ranges and full
        builds list the endpoint's partitions once. -#}
    {%- set days = built_days() -%}
    {%- if days is not none and days | length <= var('lake_listing_max_days') | int -%}
        {%- set patterns = [] -%}
        {%- for day in days -%}
            {%- set url = lake_url(lake_manifest_key(endpoint, day)) -%}
            {%- do patterns.append(url[:-1] ~ '[' ~ url[-1] ~ ']') -%}
        {%- endfor -%}
    {%- else -%}
        {%- set patterns = [lake_url(lake_manifest_key(endpoint, '*'))] -%}
    {%- endif -%}
    {%- set listed = run_query(
        "select file from glob(['" ~ patterns | join("', '") ~ "']) order by file"
    ) -%}
    {%- set manifests = [] -%}
    {%- for row in listed.rows -%}
        {%- set found = modules.re.search(lake_run_date_pattern(), row[0]) -%}
        {%- if days is none or (found and found.group(1) in days) -%}
            {%- do manifests.append(row[0]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if manifests | length == 0 -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set pages = run_query(
        "select distinct page.key from read_json(['" ~ manifests | join("', '") ~ "'],"
        ~ " format = 'auto', maximum_object_size = 67108864) as manifest,"
        ~ " unnest(manifest.pages) as entry(page) order by 1"
    ) -%}
    {%- set files = [] -%}
    {%- for row in pages.rows -%}
        {%- do files.append(lake_url(row[0])) -%}
    {%- endfor -%}
    {{ return(files) }}
{%- endmacro %}

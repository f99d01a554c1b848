{#- The prod loader (Snowflake only): committed lake partitions -> raw VARIANT tables.

    One raw table per endpoint, <database>.<SNOWFLAKE_RAW_SCHEMA>.<endpoint>
    (run_date date, page_key varchar, page variant, loaded_at timestamp_ntz), one row per page
    file, which `raw_pages()` reads. Filled with COPY INTO from one stage over the lake
    (s3://LAKE_BUCKET/LAKE_PREFIX/ in prod; a file:// mirror of it on the emulator in tests),
    one partition (endpoint, run_date) at a time:
      1. COPY the partition's _manifest.json into a scratch table: no manifest, no load. The
         manifest says which page files make the commit, how many pages and records.
      2. Skip when the ledger <raw>._raw_loads already holds this very commit (same finished_at
         and page count) and the raw table has its pages: re-running a day costs one COPY.
      3. Otherwise, in ONE transaction: delete the partition's rows, COPY exactly the manifest's
         page files (FORCE = TRUE: idempotency comes from the delete, not from Snowflake's
         load history, which skips an unchanged file and is wiped on the emulator by CREATE
         TABLE IF NOT EXISTS), check pages and records against the manifest (rollback and fail
         otherwise), record the commit in the ledger, commit. A re-load never duplicates rows.
    A partition the caller reports as not committed (no manifest in the lake) is removed from
    the raw table, as it is invisible to DuckDB in dev.

    Called by `gmp transform` before `dbt build` on Snowflake targets:
      dbt run-operation sync_raw_partitions --args '{partitions: [{endpoint: games,
          run_date: "2024-05-01", committed: true}, ...]}'
    or by hand for one committed partition:
      dbt run-operation load_raw_partition --args '{endpoint: games, run_date: "2024-05-01"}'
-#}

{% macro load_raw_partition(endpoint, run_date, force=false) -%}
    {% do sync_raw_partitions([{'endpoint': endpoint, 'run_date': run_date}], force) %}
{%- endmacro %}


{% macro sync_raw_partitions(partitions, force=false) -%}
    {%- if target.type != 'snowflake' -%}
        {{ exceptions.raise_compiler_error(
            "the raw loader is for Snowflake targets; on " ~ target.type ~ " dbt reads the lake directly") }}
    {%- endif -%}
    {%- set checked = [] -%}
    {%- for partition in partitions -%}
        {%- set endpoint = partition['endpoint'] | string -%}
        {%- set run_date = partition['run_date'] | string -%}
        {%- if not modules.re.fullmatch('[a-z][a-z_]*', endpoint) -%}
            {{ exceptions.raise_compiler_error("not an endpoint name: " ~ endpoint) }}
        {%- endif -%}
        {%- if not modules.re.fullmatch('\d{4}-\d{2}-\d{2}', run_date) -%}
            {{ exceptions.raise_compiler_error("run_date " ~ run_date ~ " is not YYYY-MM-DD") }}
        {%- endif -%}
        {%- do checked.append((endpoint, run_date, partition.get('committed', true))) -%}
    {%- endfor -%}
    {% do raw_load_prepare(checked | map(attribute=0) | unique | list) %}
    {%- for endpoint, run_date, committed in checked if committed -%}
        {% do raw_load_one(endpoint, run_date, force) %}
    {%- endfor -%}
    {% do raw_load_remove(checked | rejectattr(2) | list) %}
{%- endmacro %}


{#- Names -#}

{% macro raw_load_schema() -%}
    {{ return(api.Relation.create(database=target.database,
                                  schema=env_var('SNOWFLAKE_RAW_SCHEMA', 'RAW'))) }}
{%- endmacro %}

{% macro raw_load_table(name) -%}
    {{ return(api.Relation.create(database=target.database,
                                  schema=env_var('SNOWFLAKE_RAW_SCHEMA', 'RAW'), identifier=name)) }}
{%- endmacro %}

{% macro raw_load_stage() -%}
    {{ return(raw_load_schema().render() ~ '.lake') }}
{%- endmacro %}

{% macro raw_load_stage_url() -%}
    {#- GMP_RAW_STAGE_URL overrides (the tests point it at a file:// mirror of the lake). -#}
    {%- set url = env_var('GMP_RAW_STAGE_URL', '') -%}
    {%- if not url -%}
        {%- set bucket = env_var('LAKE_BUCKET', '') -%}
        {%- if not bucket -%}
            {{ exceptions.raise_compiler_error("LAKE_BUCKET is not set: the raw loader's stage points at the lake") }}
        {%- endif -%}
        {%- set prefix = lake_prefix() -%}
        {%- set url = 's3://' ~ bucket ~ '/' ~ (prefix ~ '/' if prefix) -%}
    {%- endif -%}
    {{ return(url.rstrip('/') ~ '/') }}
{%- endmacro %}


{#- DDL -#}

{% macro raw_load_stage_ddl() -%}
    {#- s3:// needs a storage integration (an IAM role Snowflake assumes, made once by an
        account admin: see docs/snowflake.md); the emulator's file:// stage needs none. -#}
    {%- set url = raw_load_stage_url() -%}
    {%- set integration = env_var('SNOWFLAKE_STORAGE_INTEGRATION', '') -%}
    {%- if url.startswith('s3://') and not integration -%}
        {{ exceptions.raise_compiler_error(
            "SNOWFLAKE_STORAGE_INTEGRATION is not set: name the storage integration that may read " ~ url) }}
    {%- endif -%}
    create stage if not exists {{ raw_load_stage() }}
        url = '{{ url }}'
        {%- if integration %}
        storage_integration = {{ integration }}
        {%- endif %}
        file_format = (type = json)
{%- endmacro %}

{% macro raw_load_table_ddl(endpoint) -%}
    create table if not exists {{ raw_load_table(endpoint) }} (
        run_date date not null,
        page_key varchar not null,
        page variant not null,
        loaded_at timestamp_ntz not null
    )
{%- endmacro %}

{% macro raw_load_ledger_ddl() -%}
    create table if not exists {{ raw_load_table('_raw_loads') }} (
        endpoint varchar not null,
        run_date date not null,
        finished_at varchar not null,
        page_count number(38, 0) not null,
        record_count number(38, 0) not null,
        manifest variant not null,
        loaded_at timestamp_ntz not null
    )
{%- endmacro %}

{% macro raw_load_prepare(endpoints) -%}
    {% do run_query('create schema if not exists ' ~ raw_load_schema().render()) %}
    {% do run_query(raw_load_stage_ddl()) %}
    {% do run_query(raw_load_ledger_ddl()) %}
    {%- for endpoint in endpoints -%}
        {% do run_query(raw_load_table_ddl(endpoint)) %}
    {%- endfor -%}
{%- endmacro %}


{#- Loading -#}

{% macro raw_load_partition_path(endpoint, run_date) -%}
    {{ return('@' ~ raw_load_stage() ~ '/' ~ lake_partition_path(endpoint, run_date)) }}
{%- endmacro %}

{% macro raw_load_copy_file_sql(into, endpoint, run_date, file) -%}
    copy into {{ into }}
    from {{ raw_load_partition_path(endpoint, run_date) }}
    files = ('{{ file }}')
    file_format = (type = json)
    force = true
{%- endmacro %}

{% macro raw_load_copy_pages_sql(endpoint, run_date, files, key_prefix) -%}
    {#- Snowflake: the pages straight into the raw table, page_key from metadata$filename (the
        path below the stage URL, which is s3://bucket/<key_prefix>/). At most 1,000 FILES. -#}
    copy into {{ raw_load_table(endpoint) }} (run_date, page_key, page, loaded_at)
    from (
        select
            to_date('{{ run_date }}'),
            '{{ key_prefix }}' || metadata$filename,
            $1,
            current_timestamp()::timestamp_ntz
        from {{ raw_load_partition_path(endpoint, run_date) }}
    )
    files = ({% for file in files %}'{{ file }}'{{ ", " if not loop.last }}{% endfor %})
    file_format = (type = json)
    force = true
{%- endmacro %}

{% macro raw_load_copy_pages(endpoint, run_date, keys, scratch) -%}
    {%- set path_prefix = lake_partition_path(endpoint, run_date) -%}
    {%- set key_prefix = keys[0][:keys[0] | length - (keys[0].split('/')[-1] | length) - path_prefix | length] -%}
    {%- if is_snowflake_emulator() -%}
        {#- The emulator has no metadata$filename in COPY: one COPY per file through the
            scratch table, page_key from the manifest. Same rows. -#}
        {%- for key in keys -%}
            {% do run_query('truncate table ' ~ scratch) %}
            {% do run_query(raw_load_copy_file_sql(scratch, endpoint, run_date, key.split('/')[-1])) %}
            {% do run_query(
                'insert into ' ~ raw_load_table(endpoint) ~ ' (run_date, page_key, page, loaded_at) '
                ~ "select to_date('" ~ run_date ~ "'), '" ~ key ~ "', doc, current_timestamp()::timestamp_ntz"
                ~ ' from ' ~ scratch) %}
        {%- endfor -%}
    {%- else -%}
        {%- for start in range(0, keys | length, 1000) -%}
            {%- set files = [] -%}
            {%- for key in keys[start:start + 1000] -%}
                {%- do files.append(key.split('/')[-1]) -%}
            {%- endfor -%}
            {% do run_query(raw_load_copy_pages_sql(endpoint, run_date, files, key_prefix)) %}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{% macro raw_load_one(endpoint, run_date, force) -%}
    {%- set raw = raw_load_table(endpoint) -%}
    {%- set ledger = raw_load_table('_raw_loads') -%}
    {%- set scratch = raw_load_table('_load_' ~ endpoint ~ '_' ~ run_date | replace('-', '')) -%}
    {%- set where = "run_date = to_date('" ~ run_date ~ "')" -%}

    {#- 1. The manifest: the commit, and the list of its pages. -#}
    {% do run_query('create or replace transient table ' ~ scratch ~ ' (doc variant)') %}
    {% do run_query(raw_load_copy_file_sql(scratch, endpoint, run_date, lake_manifest_name())) %}
    {%- set manifest = run_query(
        'select doc:finished_at::varchar, doc:page_count::number, doc:record_count::number,'
        ~ ' doc:pages from ' ~ scratch) -%}
    {%- if manifest.rows | length != 1 -%}
        {% do run_query('drop table if exists ' ~ scratch) %}
        {{ exceptions.raise_compiler_error(endpoint ~ " " ~ run_date ~ ": no committed manifest in the lake; not loaded") }}
    {%- endif -%}
    {%- set finished_at, page_count, record_count = manifest.rows[0][0], manifest.rows[0][1] | int, manifest.rows[0][2] | int -%}
    {%- set keys = [] -%}
    {%- for page in fromjson(manifest.rows[0][3]) -%}
        {%- do keys.append(page['key']) -%}
    {%- endfor -%}
    {%- set keys = keys | sort -%}
    {%- if keys | length != page_count -%}
        {{ exceptions.raise_compiler_error(endpoint ~ " " ~ run_date ~ ": the manifest lists "
            ~ keys | length ~ " pages but says page_count " ~ page_count) }}
    {%- endif -%}

    {#- 2. Already loaded? -#}
    {%- set loaded = run_query(
        'select (select count(*) from ' ~ ledger ~ " where endpoint = '" ~ endpoint ~ "' and " ~ where
        ~ " and finished_at = '" ~ finished_at ~ "' and page_count = " ~ page_count ~ '),'
        ~ ' (select count(*) from ' ~ raw ~ ' where ' ~ where ~ ')').rows[0] -%}
    {%- if not force and loaded[0] | int == 1 and loaded[1] | int == page_count -%}
        {% do run_query('drop table if exists ' ~ scratch) %}
        {{ log("raw load: " ~ endpoint ~ " " ~ run_date ~ ": unchanged since its last load, skipped", info=true) }}
        {{ return(none) }}
    {%- endif -%}

    {#- 3. Replace the partition in one transaction. -#}
    {% do run_query('begin') %}
    {% do run_query('delete from ' ~ raw ~ ' where ' ~ where) %}
    {% do run_query('delete from ' ~ ledger ~ " where endpoint = '" ~ endpoint ~ "' and " ~ where) %}
    {% do run_query(
        'insert into ' ~ ledger ~ ' (endpoint, run_date, finished_at, page_count, record_count, manifest, loaded_at)'
        ~ " select '" ~ endpoint ~ "', to_date('" ~ run_date ~ "'), '" ~ finished_at ~ "', "
        ~ page_count ~ ', ' ~ record_count ~ ', doc, current_timestamp()::timestamp_ntz from ' ~ scratch) %}
    {%- if keys -%}
        {% do raw_load_copy_pages(endpoint, run_date, keys, scratch) %}
    {%- endif -%}
    {%- set got = run_query(
        'select count(*), coalesce(sum(array_size(page:results)), 0) from ' ~ raw ~ ' where ' ~ where).rows[0] -%}
    {%- if got[0] | int != page_count or got[1] | int != record_count -%}
        {% do run_query('rollback') %}
        {% do run_query('drop table if exists ' ~ scratch) %}
        {{ exceptions.raise_compiler_error(endpoint ~ " " ~ run_date ~ ": loaded " ~ got[0] ~ " pages / "
            ~ got[1] ~ " records, the manifest says " ~ page_count ~ " / " ~ record_count
            ~ "; rolled back (did the partition change while loading? re-run)") }}
    {%- endif -%}
    {% do run_query('commit') %}
    {% do run_query('drop table if exists ' ~ scratch) %}
    {{ log("raw load: " ~ endpoint ~ " " ~ run_date ~ ": " ~ page_count ~ " pages, "
        ~ record_count ~ " records loaded", info=true) }}
{%- endmacro %}


{% macro raw_load_remove(partitions) -%}
    {#- Partitions without a commit in the lake: out of the raw tables and the ledger, in one
        transaction (nothing to do, nothing sent). -#}
    {%- if partitions | length == 0 -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set by_endpoint = {} -%}
    {%- for endpoint, run_date, committed in partitions -%}
        {%- do by_endpoint.setdefault(endpoint, []).append("to_date('" ~ run_date ~ "')") -%}
    {%- endfor -%}
    {% do run_query('begin') %}
    {%- for endpoint, days in by_endpoint.items() -%}
        {% do run_query('delete from ' ~ raw_load_table(endpoint) ~ ' where run_date in (' ~ days | join(', ') ~ ')') %}
        {% do run_query('delete from ' ~ raw_load_table('_raw_loads') ~ " where endpoint = '" ~ endpoint
            ~ "' and run_date in (" ~ days | join(', ') ~ ')') %}
    {%- endfor -%}
    {% do run_query('commit') %}
{%- endmacro %}

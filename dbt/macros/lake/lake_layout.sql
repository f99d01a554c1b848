{#- The lake layout, spelled once for dbt: every model and macro that needs a lake key, URL or
    pattern builds it here. Under LAKE_PREFIX of the bucket:
        {endpoint}/run_date={YYYY-MM-DD}/_manifest.json       a partition's commit
        {endpoint}/run_date={YYYY-MM-DD}/page-{NNNNN}.json    its pages, numbered from 1
    Python spells the same layout once, in extractor/layout.py; tests/warehouse/
    test_lake_layout.py renders these macros and checks that both name the same keys. All of
    them return plain strings (a run_date may be a glob such as '*'). -#}

{% macro lake_prefix() -%}
    {#- LAKE_PREFIX (var lake_prefix overrides) without leading or trailing '/'. -#}
    {{ return(var('lake_prefix', env_var('LAKE_PREFIX', 'raw/rawg')) | trim('/')) }}
{%- endmacro %}

{% macro lake_bucket_url() -%}
    {%- set bucket = var('lake_bucket', env_var('LAKE_BUCKET', '')) -%}
    {%- if not bucket and execute -%}
        {{ exceptions.raise_compiler_error("LAKE_BUCKET is not set: name the S3 bucket that holds the lake") }}
    {%- endif -%}
    {{ return('s3://' ~ bucket) }}
{%- endmacro %}

{% macro lake_url(key) -%}
    {#- The s3:// URL of a key of the bucket (a key from the macros below, or a manifest's). -#}
    {{ return(lake_bucket_url() ~ '/' ~ key) }}
{%- endmacro %}

{% macro lake_partition_path(endpoint, run_date) -%}
    {#- `{endpoint}/run_date=D/`: the partition below the prefix (the Snowflake stage's root). -#}
    {{ return(endpoint ~ '/run_date=' ~ run_date ~ '/') }}
{%- endmacro %}

{% macro lake_partition_key(endpoint, run_date) -%}
    {#- `{prefix}/{endpoint}/run_date=D/`: the partition's folder in the bucket. -#}
    {%- set prefix = lake_prefix() -%}
    {{ return((prefix ~ '/' if prefix else '') ~ lake_partition_path(endpoint, run_date)) }}
{%- endmacro %}

{% macro lake_manifest_name() -%}
    {{ return('_manifest.json') }}
{%- endmacro %}

{% macro lake_page_name(number) -%}
    {{ return('page-%05d.json' % (number | int)) }}
{%- endmacro %}

{% macro lake_manifest_key(endpoint, run_date) -%}
    {{ return(lake_partition_key(endpoint, run_date) ~ lake_manifest_name()) }}
{%- endmacro %}

{% macro lake_page_key(endpoint, run_date, number) -%}
    {{ return(lake_partition_key(endpoint, run_date) ~ lake_page_name(number)) }}
{%- endmacro %}

{% macro lake_run_date_pattern() -%}
    {#- A regular expression whose group 1 is the run_date of a lake key or URL. -#}
    {{ return(lake_partition_path('', '(\\d{4}-\\d{2}-\\d{2})')[1:]) }}
{%- endmacro %}


{% macro lake_page_number_pattern() -%}
    {#- A regular expression whose group 1 is the page number of a page's key or URL. -#}
    {{ return(lake_page_name(0) | replace('.', '\\.') | replace('00000', '(\\d+)') ~ '$') }}
{%- endmacro %}

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
      3. Otherwise, in ONE transaction: delete the partition's rows, record the commit in the
         ledger, COPY exactly the manifest's page files (FORCE = TRUE: idempotency comes from
         the delete, not from Snowflake's load history, which skips an unchanged file and is
         wiped on the emulator by CREATE TABLE IF NOT EXISTS), rewrite page_key to the lake key
         (raw_load_page_key_sql), check pages, keys and records against the manifest (ROLLBACK
         and fail otherwise), commit. A re-load never duplicates rows.
    The session first sets TRANSACTION_ABORT_ON_ERROR = TRUE (a statement that fails inside the
    transaction, e.g. a COPY of a missing or corrupt page, aborts the whole transaction: the raw
    table and the ledger stay as they were) and TIMEZONE = 'UTC'; loaded_at is UTC
    (metadata$start_scan_time converted to UTC in the COPY, sysdate() in INSERTs).
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
    {% do raw_load_session() %}
    {% do raw_load_prepare(checked | map(attribute=0) | unique | list) %}
    {%- for endpoint, run_date, committed in checked if committed -%}
        {% do raw_load_one(endpoint, run_date, force) %}
    {%- endfor -%}
    {% do raw_load_remove(checked | rejectattr(2) | list) %}
{%- endmacro %}


{% macro raw_load_session() -%}
    {#- Before anything else, in the session every later statement of the load uses (one
        dbt run-operation = one connection). TRANSACTION_ABORT_ON_ERROR = TRUE: a failed
        statement inside begin ... commit aborts (rolls back) the whole transaction, whatever
        the client does next. TIMEZONE = 'UTC': timestamps the session renders are UTC.
        https://docs.snowflake.com/en/sql-reference/parameters#transaction-abort-on-error
        https://docs.snowflake.com/en/sql-reference/parameters#timezone -#}
    {%- for statement in raw_load_session_sql() -%}
        {% do run_query(statement) %}
    {%- endfor -%}
{%- endmacro %}

{% macro raw_load_session_sql() -%}
    {{ return(['alter session set transaction_abort_on_error = true',
               "alter session set timezone = 'UTC'"]) }}
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

{% macro raw_load_copy_pages_sql(endpoint, run_date, files) -%}
    {#- Snowflake: the pages straight into the raw table. page_key is metadata$filename as
        Snowflake gives it (documented as the full path; the documentation's examples show a
        path below the stage): raw_load_normalise_page_keys rewrites it in the same
        transaction. loaded_at: METADATA$START_SCAN_TIME (TIMESTAMP_LTZ) in UTC, through
        CONVERT_TIMEZONE, both on the documented lists for COPY transformations
        (CURRENT_TIMESTAMP is not).
        https://docs.snowflake.com/en/user-guide/querying-metadata
        https://docs.snowflake.com/en/user-guide/data-load-transform#supported-functions
        ON_ERROR = ABORT_STATEMENT (the default, said out loud): a corrupt page, or a page
        named in FILES that the stage lacks, fails the statement.
        https://docs.snowflake.com/en/sql-reference/sql/copy-into-table
        At most 1,000 FILES per statement. -#}
    copy into {{ raw_load_table(endpoint) }} (run_date, page_key, page, loaded_at)
    from (
        select
            to_date('{{ run_date }}'),
            metadata$filename,
            $1,
            convert_timezone('UTC', metadata$start_scan_time)::timestamp_ntz
        from {{ raw_load_partition_path(endpoint, run_date) }}
    )
    files = ({% for file in files %}'{{ file }}'{{ ", " if not loop.last }}{% endfor %})
    file_format = (type = json)
    on_error = abort_statement
    force = true
{%- endmacro %}

{% macro raw_load_page_key_sql(path, key_dir) -%}
    {#- The lake key of a page from any path that ends in its file name: metadata$filename's
        full form (s3://bucket/prefix/endpoint/run_date=D/page-00001.json), the form below the
        stage URL (endpoint/run_date=D/page-00001.json) or the key itself all give
        <key_dir>page-00001.json. REGEXP_SUBSTR: the last run of characters without '/'.
        https://docs.snowflake.com/en/sql-reference/functions/regexp_substr -#}
    {{ return("'" ~ key_dir ~ "' || regexp_substr(" ~ path ~ ", '[^/]+$')") }}
{%- endmacro %}

{% macro raw_load_normalise_page_keys_sql(endpoint, run_date, key_dir) -%}
    {#- A plain UPDATE after the COPY, inside the load's transaction: REGEXP_SUBSTR is not on
        the documented list of functions for COPY transformations. -#}
    update {{ raw_load_table(endpoint) }}
    set page_key = {{ raw_load_page_key_sql('page_key', key_dir) }}
    where run_date = to_date('{{ run_date }}')
{%- endmacro %}

{% macro raw_load_normalise_page_keys(endpoint, run_date, key_dir) -%}
    {#- Also callable by hand (and by the tests) for one partition. -#}
    {% do run_query(raw_load_normalise_page_keys_sql(endpoint, run_date, key_dir)) %}
{%- endmacro %}

{% macro raw_load_copy_pages(endpoint, run_date, keys, scratch) -%}
    {%- if is_snowflake_emulator() -%}
        {#- The emulator has no metadata$filename in COPY: one COPY per file through the
            scratch table, page_key the file's path below the stage URL (one of the forms of
            metadata$filename), which the same UPDATE then normalises. loaded_at: sysdate(),
            UTC (the emulator has no metadata$start_scan_time either). -#}
        {%- for key in keys -%}
            {%- set file = key.split('/')[-1] -%}
            {% do run_query('truncate table ' ~ scratch) %}
            {% do run_query(raw_load_copy_file_sql(scratch, endpoint, run_date, file)) %}
            {% do run_query(
                'insert into ' ~ raw_load_table(endpoint) ~ ' (run_date, page_key, page, loaded_at) '
                ~ "select to_date('" ~ run_date ~ "'), '" ~ lake_partition_path(endpoint, run_date) ~ file
                ~ "', doc, sysdate() from " ~ scratch) %}
        {%- endfor -%}
    {%- else -%}
        {%- for start in range(0, keys | length, 1000) -%}
            {%- set files = [] -%}
            {%- for key in keys[start:start + 1000] -%}
                {%- do files.append(key.split('/')[-1]) -%}
            {%- endfor -%}
            {% do run_query(raw_load_copy_pages_sql(endpoint, run_date, files)) %}
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
        {% do run_query('drop table if exists ' ~ scratch) %}
        {{ exceptions.raise_compiler_error(endpoint ~ " " ~ run_date ~ ": the manifest lists "
            ~ keys | length ~ " pages but says page_count " ~ page_count) }}
    {%- endif -%}
    {#- Every page sits in the partition's folder, whose key (with the lake prefix the extractor
        used) becomes the page_key prefix of each loaded file; no quote can reach the SQL. -#}
    {%- set key_dir = ('/'.join(keys[0].split('/')[:-1]) ~ '/') if keys else '' -%}
    {%- for key in keys -%}
        {%- if ('/'.join(key.split('/')[:-1]) ~ '/') != key_dir or "'" in key
               or not ('/' ~ key_dir).endswith('/' ~ lake_partition_path(endpoint, run_date)) -%}
            {% do run_query('drop table if exists ' ~ scratch) %}
            {{ exceptions.raise_compiler_error(endpoint ~ " " ~ run_date ~ ": the manifest's page "
                ~ key ~ " is not a file of the partition's folder .../" ~ lake_partition_path(endpoint, run_date)) }}
        {%- endif -%}
    {%- endfor -%}

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

    {#- 3. Replace the partition in one transaction. A statement that fails in it aborts it
        (TRANSACTION_ABORT_ON_ERROR, raw_load_session); a mismatch found here is rolled back
        explicitly. Either way the raw table and the ledger keep their previous rows. -#}
    {% do run_query('begin') %}
    {% do run_query('delete from ' ~ raw ~ ' where ' ~ where) %}
    {% do run_query('delete from ' ~ ledger ~ " where endpoint = '" ~ endpoint ~ "' and " ~ where) %}
    {% do run_query(
        'insert into ' ~ ledger ~ ' (endpoint, run_date, finished_at, page_count, record_count, manifest, loaded_at)'
        ~ " select '" ~ endpoint ~ "', to_date('" ~ run_date ~ "'), '" ~ finished_at ~ "', "
        ~ page_count ~ ', ' ~ record_count ~ ', doc, sysdate() from ' ~ scratch) %}
    {%- if keys -%}
        {% do raw_load_copy_pages(endpoint, run_date, keys, scratch) %}
        {% do raw_load_normalise_page_keys(endpoint, run_date, key_dir) %}
    {%- endif -%}
    {%- set got = run_query(
        'select count(*), count(distinct page_key), coalesce(sum(array_size(page:results)), 0)'
        ~ ' from ' ~ raw ~ ' where ' ~ where).rows[0] -%}
    {%- if got[0] | int != page_count or got[1] | int != page_count or got[2] | int != record_count -%}
        {% do raw_load_abort(scratch, endpoint ~ " " ~ run_date ~ ": loaded " ~ got[0] ~ " pages ("
            ~ got[1] ~ " distinct keys) / " ~ got[2]
            ~ " records, the manifest says " ~ page_count ~ " / " ~ record_count
            ~ "; rolled back (did the partition change while loading? re-run)") %}
    {%- endif -%}
    {% do run_query('commit') %}
    {% do run_query('drop table if exists ' ~ scratch) %}
    {{ log("raw load: " ~ endpoint ~ " " ~ run_date ~ ": " ~ page_count ~ " pages, "
        ~ record_count ~ " records loaded", info=true) }}
{%- endmacro %}


{% macro raw_load_abort(scratch, message) -%}
    {#- A failure the loader detects inside its transaction: ROLLBACK, then fail. -#}
    {% do run_query('rollback') %}
    {% do run_query('drop table if exists ' ~ scratch) %}
    {{ exceptions.raise_compiler_error(message) }}
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

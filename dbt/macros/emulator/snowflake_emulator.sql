{#- Overrides of three dbt-snowflake macros for the Snowflake emulator (fakesnow) ONLY.

    The emulator (target `emulator`, used by the tests to run the prod SQL for real) trips on three
    things dbt-snowflake 1.11 sends; every override below is a no-op on any other target, where
    it calls dbt-snowflake's own macro (`dbt.<name>` = the adapter's implementation):
      1. temporary tables (the incremental batch, `tmp_relation_type: table`) -> transient tables;
      2. MERGE's `insert (...) values (a, b)` with unqualified source columns ->
         `values (DBT_INTERNAL_SOURCE.a, ...)` (same meaning on Snowflake, the emulator needs it);
      3. MERGE wrapped in an explicit `begin; ... commit;` -> the plain MERGE.
    See docs/snowflake.md. -#}

{% macro is_snowflake_emulator() -%}
    {{ return(target.name == 'emulator') }}
{%- endmacro %}


{% macro snowflake__create_table_temporary_sql(relation, compiled_code) -%}
    {%- if is_snowflake_emulator() -%}
        {{ dbt.snowflake__create_table_transient_sql(relation, compiled_code) }}
    {%- else -%}
        {{ dbt.snowflake__create_table_temporary_sql(relation, compiled_code) }}
    {%- endif -%}
{%- endmacro %}


{% macro snowflake_emulator_qualify_merge_values(dml, columns) -%}
    {#- `values (A, B)` -> `values (DBT_INTERNAL_SOURCE.A, DBT_INTERNAL_SOURCE.B)`; `columns` as
        rendered in the MERGE (quoted or not). -#}
    {%- set re = modules.re -%}
    {%- set qualified = [] -%}
    {%- for column in columns -%}
        {%- do qualified.append('DBT_INTERNAL_SOURCE.' ~ column) -%}
    {%- endfor -%}
    {%- set pattern = 'values\\s*\\(\\s*' ~ re.escape(columns | join(', ')) ~ '\\s*\\)' -%}
    {%- if not re.search(pattern, dml) -%}
        {{ exceptions.raise_compiler_error("emulator MERGE override: no unqualified values (...) to qualify") }}
    {%- endif -%}
    {{ return(re.sub(pattern, 'values (' ~ qualified | join(', ') ~ ')', dml)) }}
{%- endmacro %}


{% macro snowflake__get_merge_sql(target, source_sql, unique_key, dest_columns, incremental_predicates) -%}
    {%- if is_snowflake_emulator() and unique_key is not none -%}
        {%- set dml = default__get_merge_sql(target, source_sql, unique_key, dest_columns, incremental_predicates) -%}
        {%- set columns = get_quoted_csv(dest_columns | map(attribute='name')).split(', ') -%}
        {{ return(snowflake_emulator_qualify_merge_values(dml, columns)) }}
    {%- else -%}
        {{ return(dbt.snowflake__get_merge_sql(target, source_sql, unique_key, dest_columns, incremental_predicates)) }}
    {%- endif -%}
{%- endmacro %}


{% macro snowflake__snapshot_merge_sql(target, source, insert_cols) -%}
    {%- if is_snowflake_emulator() -%}
        {%- set dml = default__snapshot_merge_sql(target, source, insert_cols) -%}
        {{ return(snowflake_emulator_qualify_merge_values(dml, insert_cols)) }}
    {%- else -%}
        {{ return(dbt.snowflake__snapshot_merge_sql(target, source, insert_cols)) }}
    {%- endif -%}
{%- endmacro %}

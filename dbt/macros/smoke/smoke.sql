{#- `make snowflake-smoke` (warehouse/smoke.py): the scratch schemas it creates, counts and drops.
    Run through `dbt run-operation`, so the connection is the profile's, credentials included.
    Each macro logs what it did as `smoke-<what>: <json>` lines, which warehouse/smoke.py reads. -#}

{% macro smoke_schema(name) -%}
    {%- if not modules.re.fullmatch('GMP_SMOKE_[A-Z0-9_]+', name | string) -%}
        {{ exceptions.raise_compiler_error("not a smoke scratch schema: " ~ name) }}
    {%- endif -%}
    {{ return(api.Relation.create(database=target.database, schema=name)) }}
{%- endmacro %}


{% macro smoke_create_schemas(schemas) -%}
    {#- Transient: no Fail-safe storage for what is dropped minutes later. No `if not exists`:
        a schema that is already there is not ours, and only ours are dropped. -#}
    {%- for name in schemas -%}
        {% do run_query('create transient schema ' ~ smoke_schema(name).render()) %}
        {{ log('smoke-created: ' ~ tojson(name), info=true) }}
    {%- endfor -%}
{%- endmacro %}


{% macro smoke_drop_schemas(schemas) -%}
    {%- for name in schemas -%}
        {% do run_query('drop schema if exists ' ~ smoke_schema(name).render() ~ ' cascade') %}
        {{ log('smoke-dropped: ' ~ tojson(name), info=true) }}
    {%- endfor -%}
{%- endmacro %}


{% macro smoke_row_counts(schema, tables) -%}
    {#- The row count of each of `tables` in `schema` (null for one the schema lacks), one query. -#}
    {%- set relation = smoke_schema(schema) -%}
    {%- set listed = run_query(
        'select table_name from ' ~ target.database ~ ".information_schema.tables"
        ~ " where table_schema = '" ~ relation.schema | upper ~ "'") -%}
    {%- set present = listed.columns[0].values() | map('lower') | list -%}
    {%- set counts = {} -%}
    {%- set selects = [] -%}
    {%- for table in tables -%}
        {%- if not modules.re.fullmatch('[a-z][a-z0-9_]*', table | string) -%}
            {{ exceptions.raise_compiler_error("not a model name: " ~ table) }}
        {%- endif -%}
        {%- do counts.update({table: none}) -%}
        {%- if table in present -%}
            {%- do selects.append("select '" ~ table ~ "' as table_name, count(*) as row_count from "
                ~ api.Relation.create(database=target.database, schema=relation.schema, identifier=table).render()) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if selects -%}
        {%- for row in run_query(selects | join(' union all ')).rows -%}
            {%- do counts.update({row[0]: row[1] | int}) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ log('smoke-counts: ' ~ tojson(counts), info=true) }}
{%- endmacro %}

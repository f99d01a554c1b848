{#- Data tests on history tables (run_date_column = run_date: staging, intermediate, facts)
    check only the run_dates being built, so a daily build's tests do not grow with history;
    a full build checks everything. Tests with their own `where` config keep it. Latest-state
    tables (dims, bridges) are always checked whole. Overrides dbt's get_where_subquery. -#}

{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if not where and built_range() is not none and model.attached_node -%}
        {%- set tested = graph.nodes.get(model.attached_node) -%}
        {%- if tested and tested.config.get('run_date_column', 'run_date') == 'run_date' -%}
            {%- set where = in_built_range('run_date') -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- Incremental strategy `run_date_replace`: replace the rows of the run_dates being built.

    Deletes from the target every row that the new batch supersedes, then inserts the batch
    (one transaction on DuckDB). A row is superseded when
      - its `run_date_column` (config, default run_date) falls in the built range
        (vars start_date/end_date; no range = every row), or
      - `unique_key` is set and the batch holds a row with the same key (latest-state tables:
        an entity seen again replaces its old row wherever that row came from), or
      - `replace_stale_against` names a model and the row's (`unique_key`,
        `run_date_column`) pair is not in that model's (`unique_key`, `replace_stale_column`)
        (default last_seen_run_date; null values never match) (bridges: rows that no longer
        describe the game's latest state, or whose game is gone).
    Unlike delete+insert on run_date, a built day that now has no rows is still emptied. -#}

{% macro get_incremental_run_date_replace_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set batch = arg_dict['temp_relation'] -%}
    {%- set unique_key = config.get('replace_key') -%}
    {%- set keys = [unique_key] if unique_key is string else (unique_key or []) -%}
    {%- set range_column = config.get('run_date_column', 'run_date') -%}
    {%- set stale_against = config.get('replace_stale_against') -%}
    {%- set stale_column = config.get('replace_stale_column', 'last_seen_run_date') -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    where {{ in_built_range(range_column) }}
    {%- if keys %}
        or ({{ keys | join(', ') }}) in (select {{ keys | join(', ') }} from {{ batch }})
    {%- endif %}
    {%- if stale_against %}
        or ({{ keys | join(', ') }}, {{ range_column }}) not in (
            select {{ keys | join(', ') }}, {{ stale_column }} from {{ ref(stale_against) }}
            where {{ stale_column }} is not null
        )
    {%- endif %};

    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ batch }}
{%- endmacro %}

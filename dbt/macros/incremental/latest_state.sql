{#- Latest-state tables (dim_*): one row per entity, its most recent observation.

    latest_state(observations, key, columns, tie_breaker) emits the CTEs `candidates` and
    `latest` (put it after other CTEs, before `final`). `observations` is a CTE with `columns`
    (which include last_seen_run_date = the run_date observed) plus observation_rank (lower
    wins among observations of the same day). A full build reads every observation. An
    incremental build of a range reads only
      - the observations in the range,
      - the current row of entities seen in the range whose current state is newer than the
        range (it stays the latest), and
      - for entities last seen in the range but gone from it now (a re-extract dropped them),
        their older observations,
    so building day D reads day D's rows, not the history. Use it with replace_key = key and
    run_date_column = 'last_seen_run_date': entities in the batch, and entities last seen in
    the range (gone entirely if not in the batch), are replaced. -#}

{% macro latest_state(observations, key, columns, tie_breaker) -%}
    {%- set column_list = columns | join(', ') -%}
    {%- if is_incremental() and built_range() is not none %}
observed_in_range as (
    select {{ column_list }}, observation_rank
    from {{ observations }}
    where {{ in_built_range('last_seen_run_date') }}
),

current_state as (
    select {{ column_list }} from {{ this }}
),

dropped_from_range as (
    select {{ key }} from current_state where {{ in_built_range('last_seen_run_date') }}
    except
    select {{ key }} from observed_in_range
),

candidates as (
    select {{ column_list }}, observation_rank from observed_in_range
    union all
    select {{ column_list }}, 0 as observation_rank
    from current_state
    where {{ after_built_range('last_seen_run_date') }}
        and {{ key }} in (select {{ key }} from observed_in_range)
    union all
    select {{ column_list }}, observation_rank
    from {{ observations }}
    where {{ before_built_range('last_seen_run_date') }}
        and {{ key }} in (select {{ key }} from dropped_from_range)
),
    {%- else %}
candidates as (
    select {{ column_list }}, observation_rank from {{ observations }}
),
    {%- endif %}

latest as (
    select {{ column_list }}
    from candidates
    qualify row_number() over (
        partition by {{ key }}
        order by last_seen_run_date desc nulls last, observation_rank nulls last, {{ tie_breaker }}
    ) = 1
)
{%- endmacro %}

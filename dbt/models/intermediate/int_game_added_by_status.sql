-- One row per game per run_date: how many users added the game, by status. RAWG omits the
-- statuses nobody is in and may send `added_by_status: null`; both mean 0.
with

games as (
    select game_id, run_date, added_by_status
    from {{ ref('int_game_observations') }}
    where {{ in_built_range('run_date') }}
),

final as (
    select
        game_id,
        run_date,
        {%- for status in ['owned', 'playing', 'beaten', 'toplay', 'dropped', 'yet'] %}
        coalesce({{ json_value(parse_json('added_by_status'), status, 'int') }}, 0) as {{ status }}{{ "," if not loop.last }}
        {%- endfor %}
    from games
)

select * from final

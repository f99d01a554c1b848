-- One row per game per run_date that has a previous snapshot of the game (from any list
-- endpoint: the market panels, fct_game_popularity_daily, and every other list,
-- fct_game_daily_snapshot): `added` (users who added the game to a list) then and now, what it
-- gained since, per day between the two snapshots, and in % of the previous `added`; the same
-- for want-to-play (`toplay`). in_panel: a panel listed the game that run_date.
with

observed as (
    select game_id, run_date, added, toplay, 1 as in_panel
    from {{ ref('fct_game_popularity_daily') }}
    union all
    select game_id, run_date, added, toplay, 0 as in_panel
    from {{ ref('fct_game_daily_snapshot') }}
),

-- One snapshot per game per run_date (both facts hold the game's state of that day).
snapshots as (
    select game_id, run_date, max(added) as added, max(toplay) as toplay, max(in_panel) as in_panel
    from observed
    group by game_id, run_date
),

lagged as (
    select
        game_id,
        run_date,
        added,
        toplay,
        in_panel,
        lag(run_date) over (partition by game_id order by run_date nulls last) as previous_run_date,
        lag(added) over (partition by game_id order by run_date nulls last) as previous_added,
        lag(toplay) over (partition by game_id order by run_date nulls last) as previous_toplay
    from snapshots
),

gains as (
    select
        game_id,
        run_date,
        previous_run_date,
        {{ dbt.datediff('previous_run_date', 'run_date', 'day') }} as days_between,
        previous_added,
        added,
        added - previous_added as added_gained,
        previous_toplay,
        toplay,
        toplay - previous_toplay as toplay_gained,
        in_panel = 1 as in_panel
    from lagged
    where previous_run_date is not null
),

games as (
    select game_id, name
    from {{ ref('dim_games') }}
),

final as (
    select
        gains.run_date,
        gains.game_id,
        games.name,
        gains.previous_run_date,
        gains.days_between,
        gains.previous_added,
        gains.added,
        gains.added_gained,
        cast(gains.added_gained as double) / gains.days_between as added_gained_per_day,
        case
            when gains.previous_added > 0
                then 100.0 * cast(gains.added_gained as double) / gains.previous_added
        end as added_gained_pct,
        gains.previous_toplay,
        gains.toplay,
        gains.toplay_gained,
        gains.in_panel
    from gains
    inner join games
        on gains.game_id = games.game_id
)

select * from final

-- One row per game per run_date that has an earlier snapshot of the game: how much its `added`
-- (users who added it to a list) changed since that previous snapshot.
with

snapshots as (
    select game_id, run_date, added
    from {{ ref('fct_game_daily_snapshot') }}
),

lagged as (
    select
        game_id,
        run_date,
        added,
        lag(run_date) over (partition by game_id order by run_date) as previous_run_date,
        lag(added) over (partition by game_id order by run_date) as previous_added
    from snapshots
),

games as (
    select game_id, name
    from {{ ref('dim_games') }}
),

final as (
    select
        lagged.game_id,
        lagged.run_date,
        games.name,
        lagged.previous_run_date,
        lagged.previous_added,
        lagged.added,
        lagged.added - lagged.previous_added as added_change
    from lagged
    inner join games
        on lagged.game_id = games.game_id
    where lagged.previous_run_date is not null
)

select * from final

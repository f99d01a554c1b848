-- One row per run_date: the games updated that day (the day's `games` partition), and how many
-- of them the warehouse saw for the first time.
with

snapshots as (
    select
        game_id,
        run_date,
        min(run_date) over (partition by game_id) as first_seen_run_date
    from {{ ref('fct_game_daily_snapshot') }}
),

final as (
    select
        run_date,
        count(*) as games_updated,
        count(case when run_date = first_seen_run_date then 1 end) as games_first_seen
    from snapshots
    group by run_date
)

select * from final

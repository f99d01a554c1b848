-- One row per game per run_date on which the upcoming panel (games_upcoming: the most-added
-- games releasing in the next year) listed it: its want-to-play count (`toplay`) and rank, and
-- how much `toplay` grew since the game's previous snapshot (any list endpoint,
-- rpt_top_gainers), per day between the two; null growth on a game's first snapshot.
with

upcoming as (
    select game_id, run_date, upcoming_rank, toplay, added
    from {{ ref('fct_game_popularity_daily') }}
    where upcoming_rank is not null
),

gains as (
    select game_id, run_date, previous_run_date, days_between, previous_toplay, toplay_gained
    from {{ ref('rpt_top_gainers') }}
),

games as (
    select game_id, name, released_on
    from {{ ref('dim_games') }}
),

final as (
    select
        upcoming.run_date,
        upcoming.game_id,
        games.name,
        games.released_on,
        upcoming.upcoming_rank,
        upcoming.added,
        upcoming.toplay,
        gains.previous_run_date,
        gains.days_between,
        gains.previous_toplay,
        gains.toplay_gained,
        cast(gains.toplay_gained as double) / gains.days_between as toplay_gained_per_day
    from upcoming
    inner join games
        on upcoming.game_id = games.game_id
    left join gains
        on upcoming.game_id = gains.game_id
        and upcoming.run_date = gains.run_date
)

select * from final

-- One row per game per run_date for the games seen that day (any list endpoint) that have both
-- a Metacritic score and a user rating (ratings_count > 0): the two scores side by side. The
-- report keeps each game's latest day in the window (distinct games) and prints the correlation.
with

scored as (
    select game_id, run_date, metacritic, rating, ratings_count, added
    from {{ ref('fct_game_daily_snapshot') }}
    where metacritic is not null and ratings_count > 0
),

games as (
    select game_id, name
    from {{ ref('dim_games') }}
),

final as (
    select
        scored.game_id,
        scored.run_date,
        games.name,
        scored.metacritic,
        scored.rating,
        scored.ratings_count,
        scored.added
    from scored
    inner join games
        on scored.game_id = games.game_id
)

select * from final

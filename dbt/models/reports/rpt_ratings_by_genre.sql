-- One row per run_date per rated game seen that day (any list endpoint, ratings_count > 0) per
-- genre of the game (its latest state): its RAWG user rating (0-5) that day. The report keeps
-- each game's latest day in the window and averages per genre over distinct games.
with

rated as (
    select game_id, run_date, rating, ratings_count
    from {{ ref('fct_game_daily_snapshot') }}
    where ratings_count > 0 and rating is not null
),

genres as (
    select game_id, group_id as genre_id, group_name as genre_name
    from {{ ref('rpt_game_groups') }}
    where breakdown = 'genre'
),

final as (
    select
        rated.run_date,
        rated.game_id,
        genres.genre_id,
        genres.genre_name,
        rated.rating,
        rated.ratings_count
    from rated
    inner join genres
        on rated.game_id = genres.game_id
)

select * from final

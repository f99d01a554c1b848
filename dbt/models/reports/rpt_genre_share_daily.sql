-- One row per run_date per genre: how many of the games updated that day list the genre.
-- Summed over a window and divided by rpt_games_updated_daily.games_updated, it is the share of
-- the window's game updates that carry the genre (a game lists several genres).
with

game_genres as (
    select game_id, run_date, genre_id
    from {{ ref('int_game_genres') }}
),

genres as (
    select genre_id, name
    from {{ ref('dim_genres') }}
),

final as (
    select
        game_genres.run_date,
        game_genres.genre_id,
        genres.name as genre_name,
        count(distinct game_genres.game_id) as games
    from game_genres
    inner join genres
        on game_genres.genre_id = genres.genre_id
    group by game_genres.run_date, game_genres.genre_id, genres.name
)

select * from final

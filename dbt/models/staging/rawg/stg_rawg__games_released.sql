-- One row per game per run_date: the games RAWG lists as released on run_date
-- (/games?dates=D,D, the release calendar), each list item typed as stg_rawg__games.
{{ stg_rawg_game_list('games_released') }}

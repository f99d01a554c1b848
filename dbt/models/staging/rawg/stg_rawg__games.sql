-- One row per game per run_date: the /games list item as RAWG served it on that day (the games
-- it updated that day), typed (macros/lake/rawg_game_list.sql).
{{ stg_rawg_game_list('games') }}

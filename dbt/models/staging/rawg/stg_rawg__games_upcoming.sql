-- One row per game per run_date: the market panel of the most-added games to be released in the
-- year after run_date (/games?dates=D+1,D+365&ordering=-added, first GMP_UPCOMING_GAMES), with
-- its rank there; each list item typed as stg_rawg__games.
{{ stg_rawg_game_list('games_upcoming', ranked=true) }}

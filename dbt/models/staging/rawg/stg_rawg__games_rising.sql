-- One row per game per run_date: the market panel of the most-added games released in the year
-- up to run_date (/games?dates=D-364,D&ordering=-added, first GMP_RISING_GAMES), with its rank
-- there; each list item typed as stg_rawg__games.
{{ stg_rawg_game_list('games_rising', ranked=true) }}

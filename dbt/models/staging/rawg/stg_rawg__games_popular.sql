-- One row per game per run_date: the market panel of the most-added games of all time
-- (/games?ordering=-added, first GMP_POPULAR_GAMES) as listed on run_date, with its rank there;
-- each list item typed as stg_rawg__games.
{{ stg_rawg_game_list('games_popular', ranked=true) }}

-- One row per run_date per game a market panel listed that day per genre of the game (its
-- latest state): what the game's `added` gained per day since its previous snapshot (null on
-- its first). The report counts distinct games and sums the gains per genre and day.
{{ rpt_panel_by('genre', 'genre_id', 'genre_name') }}

-- One row per run_date per game a market panel listed that day per parent platform of the
-- game (PC, PlayStation, ...: its latest state, a game on PS4 and PS5 counts once for
-- PlayStation): what the game's `added` gained per day since its previous snapshot (null on
-- its first). The report counts distinct games and sums the gains per platform and day.
{{ rpt_panel_by('parent_platform', none, 'parent_platform') }}

-- One row per run_date per game a market panel listed that day per company behind it
-- (company_role developer or publisher, from the game's latest detail, game_details): what the
-- game's `added` gained since its previous snapshot (null on its first). The report counts each
-- company's distinct panel games and sums their gains over the window. Games without a detail
-- yet have no rows.
{{ rpt_panel_by(['developer', 'publisher'], 'company_id', 'company_name', 'company_role') }}

-- One row per game per run_date on which a market panel (games_popular, games_rising,
-- games_upcoming: fct_game_popularity_daily) listed it: what its `added` gained since its
-- previous snapshot (rpt_top_gainers; null on its first). The momentum and company views
-- break it down by the game's groups (rpt_game_groups).
with

panel as (
    select game_id, run_date
    from {{ ref('fct_game_popularity_daily') }}
),

gains as (
    select game_id, run_date, added_gained, added_gained_per_day
    from {{ ref('rpt_top_gainers') }}
),

final as (
    select
        panel.run_date,
        panel.game_id,
        gains.added_gained,
        gains.added_gained_per_day
    from panel
    left join gains
        on panel.game_id = gains.game_id
        and panel.run_date = gains.run_date
)

select * from final

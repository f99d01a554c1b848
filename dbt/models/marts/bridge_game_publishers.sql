-- One row per game and publisher, as of the game's most recent detail (game_details; see
-- dim_games.detail_run_date). Games without a detail, or not in dim_games yet, have no rows.
{{ config(
    replace_key='game_id',
    run_date_column='last_seen_run_date',
    replace_stale_against='dim_games',
    replace_stale_column='detail_run_date',
) }}

with

{{ games_to_bridge(state_column='detail_run_date') }},

final as (
    select
        companies.game_id,
        companies.publisher_id,
        companies.run_date as last_seen_run_date
    from {{ ref('int_game_publishers') }} as companies
    inner join games_to_bridge
        on companies.game_id = games_to_bridge.game_id
        and companies.run_date = games_to_bridge.last_seen_run_date
)

select * from final

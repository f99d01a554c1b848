-- One row per game and store, for the game's latest state (see dim_games). game_store_id is
-- RAWG's id of the game-in-store link (`/games/{id}/stores` has its URL).
{{ config(
    replace_key='game_id',
    run_date_column='last_seen_run_date',
    replace_stale_against='dim_games',
) }}

with

{{ games_to_bridge() }},

final as (
    select
        stores.game_id,
        stores.store_id,
        stores.game_store_id,
        stores.run_date as last_seen_run_date
    from {{ ref('int_game_stores') }} as stores
    inner join games_to_bridge
        on stores.game_id = games_to_bridge.game_id
        and stores.run_date = games_to_bridge.last_seen_run_date
)

select * from final

-- One row per game and tag, for the game's latest state (see dim_games).
{{ config(
    replace_key='game_id',
    run_date_column='last_seen_run_date',
    replace_stale_against='dim_games',
) }}

with

{{ games_to_bridge() }},

final as (
    select
        tags.game_id,
        tags.tag_id,
        tags.run_date as last_seen_run_date
    from {{ ref('int_game_tags') }} as tags
    inner join games_to_bridge
        on tags.game_id = games_to_bridge.game_id
        and tags.run_date = games_to_bridge.last_seen_run_date
)

select * from final

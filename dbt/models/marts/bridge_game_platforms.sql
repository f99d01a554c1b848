-- One row per game and platform, for the game's latest state (see dim_games): the release
-- date on that platform and the system requirements (English and Russian) RAWG lists for it.
{{ config(
    replace_key='game_id',
    run_date_column='last_seen_run_date',
    replace_stale_against='dim_games',
) }}

with

{{ games_to_bridge() }},

final as (
    select
        platforms.game_id,
        platforms.platform_id,
        platforms.released_at,
        platforms.requirements_en_minimum,
        platforms.requirements_en_recommended,
        platforms.requirements_ru_minimum,
        platforms.requirements_ru_recommended,
        platforms.run_date as last_seen_run_date
    from {{ ref('int_game_platforms') }} as platforms
    inner join games_to_bridge
        on platforms.game_id = games_to_bridge.game_id
        and platforms.run_date = games_to_bridge.last_seen_run_date
)

select * from final

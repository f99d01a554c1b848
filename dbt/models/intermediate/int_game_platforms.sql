-- One row per game per run_date per platform: the platforms a game listed on that day, with
-- its release date there and its system requirements. List items carry the requirements as
-- `requirements_en` / `requirements_ru` (each null or {minimum, recommended}); detail items
-- carry `requirements` instead, read as English when `requirements_en` is absent.
with

games as (
    select game_id, run_date, platforms
    from {{ ref('int_game_observations') }}
    where {{ in_built_range('run_date') }}
),

unnested as (
    select
        games.game_id,
        games.run_date,
        {{ json_value(json_element('entry'), 'platform.id', 'int') }} as platform_id,
        {{ rawg_taxonomy_columns(json_get(json_element('entry'), 'platform')) }},
        {{ json_value(json_element('entry'), 'platform.image', 'text') }} as image,
        {{ json_value(json_element('entry'), 'platform.year_start', 'int') }} as year_start,
        {{ json_value(json_element('entry'), 'platform.year_end', 'int') }} as year_end,
        {{ json_value(json_element('entry'), 'released_at', 'date') }} as released_at,
        coalesce(
            {{ json_value(json_element('entry'), 'requirements_en.minimum', 'text') }},
            {{ json_value(json_element('entry'), 'requirements.minimum', 'text') }}
        ) as requirements_en_minimum,
        coalesce(
            {{ json_value(json_element('entry'), 'requirements_en.recommended', 'text') }},
            {{ json_value(json_element('entry'), 'requirements.recommended', 'text') }}
        ) as requirements_en_recommended,
        {{ json_value(json_element('entry'), 'requirements_ru.minimum', 'text') }} as requirements_ru_minimum,
        {{ json_value(json_element('entry'), 'requirements_ru.recommended', 'text') }} as requirements_ru_recommended,
        {{ json_element_index('entry') }} as list_position
    from games
    {{ json_array_elements(parse_json('games.platforms'), 'entry') }}
),

final as (
    select * from unnested
    {{ one_row_per('game_id, run_date, platform_id', 'list_position nulls last') }}
)

select * from final

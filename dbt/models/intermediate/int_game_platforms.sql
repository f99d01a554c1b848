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
        {{- json_columns(json_element('entry'), [('platform_id', 'platform.id', 'int')]
            + rawg_taxonomy_fields('platform.') + [
            ('image', 'platform.image', 'text'),
            ('year_start', 'platform.year_start', 'int'),
            ('year_end', 'platform.year_end', 'int'),
            ('released_at', 'released_at', 'date'),
            ('listed_en_minimum', 'requirements_en.minimum', 'text'),
            ('listed_en_recommended', 'requirements_en.recommended', 'text'),
            ('detail_minimum', 'requirements.minimum', 'text'),
            ('detail_recommended', 'requirements.recommended', 'text'),
            ('requirements_ru_minimum', 'requirements_ru.minimum', 'text'),
            ('requirements_ru_recommended', 'requirements_ru.recommended', 'text'),
        ]) }},
        {{ json_element_index('entry') }} as list_position
    from games
    {{ json_array_elements(parse_json('games.platforms'), 'entry') }}
),

final as (
    select
        game_id,
        run_date,
        platform_id,
        name,
        slug,
        games_count,
        image_background,
        image,
        year_start,
        year_end,
        released_at,
        coalesce(listed_en_minimum, detail_minimum) as requirements_en_minimum,
        coalesce(listed_en_recommended, detail_recommended) as requirements_en_recommended,
        requirements_ru_minimum,
        requirements_ru_recommended,
        list_position
    from unnested
    {{ one_row_per('game_id, run_date, platform_id', 'list_position nulls last') }}
)

select * from final

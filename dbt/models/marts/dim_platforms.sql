-- One row per platform ever seen, in a /platforms snapshot or embedded in a game: its latest
-- known attributes (a snapshot wins over game embeds of the same day).
{{ config(replace_key='platform_id', run_date_column='last_seen_run_date') }}

{%- set columns = [
    'platform_id', 'name', 'slug', 'games_count', 'image_background', 'image', 'year_start',
    'year_end', 'last_seen_run_date',
] %}

with

observations as (
    select {{ columns[:-1] | join(', ') }}, run_date as last_seen_run_date, 0 as observation_rank
    from {{ ref('stg_rawg__platforms') }}
    union all
    select {{ columns[:-1] | join(', ') }}, run_date as last_seen_run_date, 1 as observation_rank
    from {{ ref('int_game_platforms') }}
),

{{ latest_state('observations', 'platform_id', columns, 'games_count desc nulls last, name nulls last, slug nulls last, image_background nulls last') }},

final as (
    select {{ columns | join(', ') }} from latest
)

select * from final

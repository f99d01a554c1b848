-- One row per tag ever seen, in a /tags snapshot or embedded in a game: its latest known
-- attributes (a snapshot wins over game embeds of the same day).
{{ config(replace_key='tag_id', run_date_column='last_seen_run_date') }}

{%- set columns = [
    'tag_id', 'name', 'slug', 'games_count', 'language', 'image_background', 'last_seen_run_date',
] %}

with

observations as (
    select {{ columns[:-1] | join(', ') }}, run_date as last_seen_run_date, 0 as observation_rank
    from {{ ref('stg_rawg__tags') }}
    union all
    select {{ columns[:-1] | join(', ') }}, run_date as last_seen_run_date, 1 as observation_rank
    from {{ ref('int_game_tags') }}
),

{{ latest_state('observations', 'tag_id', columns, 'games_count desc nulls last, name nulls last, slug nulls last, image_background nulls last') }},

final as (
    select {{ columns | join(', ') }} from latest
)

select * from final

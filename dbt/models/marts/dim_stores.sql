-- One row per store ever seen, in a /stores snapshot or embedded in a game: its latest known
-- attributes (a snapshot wins over game embeds of the same day).
{{ config(replace_key='store_id', run_date_column='last_seen_run_date') }}

{%- set columns = [
    'store_id', 'name', 'slug', 'games_count', 'domain', 'image_background', 'last_seen_run_date',
] %}

with

observations as (
    select {{ columns[:-1] | join(', ') }}, run_date as last_seen_run_date, 0 as observation_rank
    from {{ ref('stg_rawg__stores') }}
    union all
    select {{ columns[:-1] | join(', ') }}, run_date as last_seen_run_date, 1 as observation_rank
    from {{ ref('int_game_stores') }}
),

{{ latest_state('observations', 'store_id', columns, 'games_count desc nulls last, name nulls last, slug nulls last, image_background nulls last') }},

final as (
    select {{ columns | join(', ') }} from latest
)

select * from final

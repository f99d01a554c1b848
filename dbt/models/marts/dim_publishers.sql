-- One row per publisher ever seen, in a /publishers snapshot (opt-in endpoint) or in a game's
-- detail (game_details): its latest known attributes (a snapshot wins over detail embeds of
-- the same day).
{{ config(replace_key='publisher_id', run_date_column='last_seen_run_date') }}

{%- set columns = [
    'publisher_id', 'name', 'slug', 'games_count', 'image_background', 'last_seen_run_date',
] %}

with

observations as (
    select {{ columns[:-1] | join(', ') }}, run_date as last_seen_run_date, 0 as observation_rank
    from {{ ref('stg_rawg__publishers') }}
    union all
    select {{ columns[:-1] | join(', ') }}, run_date as last_seen_run_date, 1 as observation_rank
    from {{ ref('int_game_publishers') }}
),

{{ latest_state('observations', 'publisher_id', columns, 'games_count desc nulls last, name nulls last, slug nulls last, image_background nulls last') }},

final as (
    select {{ columns | join(', ') }} from latest
)

select * from final

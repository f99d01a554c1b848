-- One row per game: its latest known state, taken from the most recent run_date that saw it
-- (not from the latest build: re-building an older day never overwrites a newer state).
{{ config(replace_key='game_id', run_date_column='last_seen_run_date') }}

{%- set columns = [
    'game_id', 'slug', 'name', 'released_on', 'tba', 'rating', 'rating_top', 'ratings_count',
    'reviews_text_count', 'added', 'metacritic', 'playtime_hours', 'esrb_rating', 'updated_at',
    'last_seen_run_date',
] %}

with

observations as (
    select
        {{ columns[:-1] | join(', ') }},
        run_date as last_seen_run_date,
        0 as observation_rank
    from {{ ref('stg_rawg__games') }}
),

{{ latest_state('observations', 'game_id', columns, 'updated_at desc') }},

final as (
    select {{ columns | join(', ') }} from latest
)

select * from final

-- One row per game any list endpoint returned (games, games_released, the market panels): its
-- latest known state, taken from the most recent run_date that saw it (int_game_observations;
-- not from the latest build: re-building an older day never overwrites a newer state), plus
-- description_raw and website from its most recent detail (game_details), null without one.
{{ config(replace_key='game_id', run_date_column='last_seen_run_date') }}

{%- set columns = [
    'game_id', 'slug', 'name', 'released_on', 'tba', 'rating', 'rating_top', 'ratings_count',
    'reviews_text_count', 'added', 'metacritic', 'playtime_hours', 'esrb_rating', 'updated_at',
    'last_seen_run_date',
] %}
{%- set incremental = is_incremental() and built_range() is not none %}

with

observations as (
    select
        {{ columns[:-1] | join(', ') }},
        run_date as last_seen_run_date,
        0 as observation_rank
    from {{ ref('int_game_observations') }}
),

{{ latest_state('observations', 'game_id', columns, 'updated_at desc nulls last') }},

{%- if incremental %}

-- Games whose list state the range leaves alone but whose detail it may change: a detail
-- fetched in the range (the backlog fetches games listed on earlier days), or the detail the
-- row showed came from the range (a re-extract may have dropped it).
detail_touched as (
    select game_id from {{ ref('stg_rawg__game_details') }} where {{ in_built_range('run_date') }}
    union
    select game_id from {{ this }} where {{ in_built_range('detail_run_date') }}
),

states as (
    select {{ columns | join(', ') }} from latest
    union all
    select {{ columns | join(', ') }}
    from {{ this }} as current_row
    where game_id in (select game_id from detail_touched)
        and not exists (select 1 from latest where latest.game_id = current_row.game_id)
        and not {{ in_built_range('last_seen_run_date') }}
),
{%- else %}

states as (
    select {{ columns | join(', ') }} from latest
),
{%- endif %}

-- The most recent detail of each game: games without one keep null detail columns.
details as (
    select
        game_id,
        run_date as detail_run_date,
        description_raw,
        website
    from {{ ref('stg_rawg__game_details') }}
    {%- if incremental %}
    where game_id in (select game_id from states)
    {%- endif %}
    qualify row_number() over (partition by game_id order by run_date desc nulls last) = 1
),

final as (
    select
        {%- for column in columns %}
        states.{{ column }},
        {%- endfor %}
        details.description_raw,
        details.website,
        details.detail_run_date
    from states
    left join details
        on states.game_id = details.game_id
)

select * from final

-- One row per game per run_date per rating title (exceptional, recommended, meh, skip): the
-- votes for that title that day, 0 when RAWG left the title out. Matched on the title, never
-- on the position in RAWG's array (it is sorted by count).
with

titles as (
    {%- for rating_id, title in [(5, 'exceptional'), (4, 'recommended'), (3, 'meh'), (1, 'skip')] %}
    select {{ rating_id }} as rating_id, '{{ title }}' as title
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

games as (
    select game_id, run_date
    from {{ ref('int_game_observations') }}
    where {{ in_built_range('run_date') }}
),

ratings as (
    select game_id, run_date, title, rating_count, rating_percent
    from {{ ref('int_game_ratings') }}
    where {{ in_built_range('run_date') }}
),

final as (
    select
        games.game_id,
        games.run_date,
        titles.title,
        titles.rating_id,
        coalesce(ratings.rating_count, 0) as rating_count,
        coalesce(ratings.rating_percent, 0) as rating_percent
    from games
    cross join titles
    left join ratings
        on games.game_id = ratings.game_id
        and games.run_date = ratings.run_date
        and titles.title = ratings.title
)

select * from final

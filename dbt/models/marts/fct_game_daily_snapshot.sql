-- One row per game per run_date it was seen, by any list endpoint (games, games_released, the
-- market panels: int_game_observations): its counters that day. The added_by_status counts are
-- 0 where RAWG left the status out (or sent no added_by_status at all).
with

games as (
    select *
    from {{ ref('int_game_observations') }}
    where {{ in_built_range('run_date') }}
),

statuses as (
    select *
    from {{ ref('int_game_added_by_status') }}
    where {{ in_built_range('run_date') }}
),

final as (
    select
        games.game_id,
        games.run_date,
        games.rating,
        games.rating_top,
        games.ratings_count,
        games.reviews_text_count,
        games.added,
        statuses.owned,
        statuses.playing,
        statuses.beaten,
        statuses.toplay,
        statuses.dropped,
        statuses.yet,
        games.metacritic,
        games.playtime_hours,
        games.suggestions_count,
        games.updated_at
    from games
    inner join statuses
        on games.game_id = statuses.game_id
        and games.run_date = statuses.run_date
)

select * from final

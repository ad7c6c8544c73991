-- Fills the port table hit_list_internal.hits_v2: plays per day, country and track, ranked.
with plays as (
    select date(s.started_at) as chart_date, s.country, s.track_id, count(*) as plays
    from {{ source('sessions', 'sessions_v1') }} as s
    where s.track_id not in (select track_id from {{ source('exclusions', 'chart_exclusions') }})
    {% if is_incremental() %}
    and s.loaded_at > (select max(processing_time) from {{ this }})
    {% endif %}
    group by 1, 2, 3
),

radio as (
    select json_value(data, '$.track_id') as track_id, count(*) as radio
    from {{ source('radio_plays', 'raw_radio_plays') }}
    group by 1
)

select
    p.chart_date,
    p.country,
    row_number() over (partition by p.chart_date, p.country order by p.plays desc) as position,
    p.track_id,
    p.plays,
    struct(r.radio as radio, cast(p.plays as float64) as streams) as sources,
    cast([] as array<string>) as labels,
    cast([] as array<struct<reason string, since date>>) as excluded,
    current_timestamp() as processing_time
from plays as p
left join radio as r using (track_id)

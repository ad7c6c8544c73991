-- Fills the port table hit_list_internal.movers_v1: the rise of each track since the day before.
select
    today.chart_date,
    today.track_id,
    coalesce(yesterday.position, 101) - today.position as rise,
    yesterday.track_id is null as is_new,
    current_timestamp() as processing_time
from {{ ref('hits_v2') }} as today
left join {{ ref('hits_v2') }} as yesterday
    on yesterday.track_id = today.track_id
    and yesterday.country = today.country
    and yesterday.chart_date = date_sub(today.chart_date, interval 1 day)
{% if is_incremental() %}
where today.processing_time > (select max(processing_time) from {{ this }})
{% endif %}

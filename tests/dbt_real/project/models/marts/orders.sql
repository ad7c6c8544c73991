select
    order_id, customer_id, order_date, status,
    {{ shop_utils.loaded_at() }} as processing_time
from {{ ref('stg_orders') }}

{#- A lower bound: no row has `column_name` below `minimum` (nulls pass: pair with not_null). -#}
{% test at_least(model, column_name, minimum) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} < {{ minimum }}

{% endtest %}

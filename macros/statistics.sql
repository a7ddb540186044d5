{#- Statistics in portable SQL (DuckDB, PostgreSQL and Spark have sqrt, exp and power, but no normal distribution
    function). -#}

{% macro wilson_bound(rate, people, z, side) -%}
    {#- The lower (side -1) or upper (side 1) bound of the Wilson score interval of a proportion `rate` out of
        `people` at normal quantile `z`: (p + z²/2n ± z sqrt(p(1 - p)/n + z²/4n²)) / (1 + z²/n). Null when
        people is 0. -#}
    {#- At rate 0 the lower bound is exactly 0 and at rate 1 the upper bound exactly 1 (the formula gives them up
        to rounding, which would differ between engines). -#}
    {%- set n = 'nullif(' ~ people ~ ', 0)' -%}
    case
        when {{ n }} is not null and {{ rate }} = {{ 0 if side < 0 else 1 }} then {{ 0.0 if side < 0 else 1.0 }}
        else (
            ({{ rate }} + {{ z * z }} / (2.0 * {{ n }}))
            {{ '+' if side > 0 else '-' }} {{ z }} * sqrt(
                {{ rate }} * (1 - {{ rate }}) / {{ n }} + {{ z * z }} / (4.0 * {{ n }} * {{ n }})
            )
        ) / (1 + {{ z * z }} / {{ n }})
    end
{%- endmacro %}


{% macro normal_two_sided_p_value(z) -%}
    {#- 2 × P(Z > |z|) for a standard normal Z, by Abramowitz and Stegun's formula 26.2.17 (absolute error below
        7.5e-8): with t = 1 / (1 + 0.2316419 |z|), P(Z > |z|) = φ(z) (b1 t + b2 t² + b3 t³ + b4 t⁴ + b5 t⁵). -#}
    (
        2 * exp(-0.5 * {{ z }} * {{ z }}) / sqrt(2 * pi())
        * (
            0.319381530 * (1 / (1 + 0.2316419 * abs({{ z }})))
            - 0.356563782 * power(1 / (1 + 0.2316419 * abs({{ z }})), 2)
            + 1.781477937 * power(1 / (1 + 0.2316419 * abs({{ z }})), 3)
            - 1.821255978 * power(1 / (1 + 0.2316419 * abs({{ z }})), 4)
            + 1.330274429 * power(1 / (1 + 0.2316419 * abs({{ z }})), 5)
        )
    )
{%- endmacro %}


{% macro newcombe_difference_bound(rate_a, lower_a, upper_a, rate_b, lower_b, upper_b, side) -%}
    {#- The lower (side -1) or upper (side 1) bound of the interval of the difference rate_a − rate_b of two
        independent proportions by Newcombe's hybrid score method (his method 10), built from each rate's Wilson
        bounds (wilson_bound): lower = d − sqrt((p_a − l_a)² + (u_b − p_b)²), upper = d + sqrt((u_a − p_a)² +
        (p_b − l_b)²). It stays sensible at rates near 0 and at zero events, where the Wald interval does not. -#}
    {%- if side > 0 -%}
        ({{ rate_a }} - {{ rate_b }})
        + sqrt(power({{ upper_a }} - {{ rate_a }}, 2) + power({{ rate_b }} - {{ lower_b }}, 2))
    {%- else -%}
        ({{ rate_a }} - {{ rate_b }})
        - sqrt(power({{ rate_a }} - {{ lower_a }}, 2) + power({{ upper_b }} - {{ rate_b }}, 2))
    {%- endif -%}
{%- endmacro %}

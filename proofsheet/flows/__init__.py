"""Use cases, each written once: what the studio, storefront, API, CLI and demo all call.

A flow composes the services and selectors of several apps into one use case (create a gallery
for sale, change a cart line, submit checkout, move an order on). It takes parsed values, never a
request, and returns what the interfaces render. The rules stay in the domain apps' services; a
flow only assembles them, so that no interface assembles them again its own way. This layer sits
above `cart` and below the interfaces (import-linter keeps it there).
"""

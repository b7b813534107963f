from orders.management.commands import import_orders


class Command(import_orders.Command):
    importer_kind = "catalog_importer"
    help = (
        "Upsert the catalog a domain orders from (panels; wholesale products; restaurant "
        "menus; lab products, skus and assays; marketplace records) by its natural key, from "
        "JSON Lines or CSV. Exit status 0 when every row was imported, 1 when any was "
        "rejected, 2 for a usage or unreadable-file error."
    )

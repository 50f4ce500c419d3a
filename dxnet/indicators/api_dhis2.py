from ninja import Router

router = Router(tags=["dhis2"])

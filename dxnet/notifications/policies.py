# Notifications belong to a person, not a unit: every query filters by user=request.user.

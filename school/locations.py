"""`Location` on every 201: the URL of what was created."""

from drf_spectacular.utils import OpenApiParameter
from rest_framework.reverse import reverse

LOCATION_HEADER = OpenApiParameter(
    "Location",
    str,
    OpenApiParameter.HEADER,
    response=[201],
    description="The URL of what was created.",
)


class CreatedLocationMixin:
    """For a viewset whose create() answers 201: `Location` names the new object's detail URL
    (the route `<basename>-detail` with the object's `id`)."""

    def get_success_headers(self, data):
        return {
            "Location": reverse(f"{self.basename}-detail", kwargs={"id": data["id"]}, request=self.request)
        }

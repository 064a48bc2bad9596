"""The OpenAPI schema (drf-spectacular): the token scheme, and the refusals every operation
may answer with, so that a client (and the schema test) knows each status it can get."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse

from .errors import ErrorSerializer

ERRORS = {
    "400": _("请求无效：字段、筛选条件或规则（见 fields、field）"),
    "401": _("未提供或无效的令牌"),
    "403": _("角色不允许此操作"),
    "404": _("不存在，或不在用户的角色范围内"),
    "405": _("不支持的方法"),
    "406": _("无法按 Accept 请求头返回"),
    "409": _("版本冲突（stale，附当前内容），或记录、期间的状态不允许"),
    "415": _("请求体须为 JSON"),
    "429": _("请求过于频繁"),
}
READ_ERRORS = ("400", "401", "403", "404", "405", "406", "429")


class AutoSchema(SpectacularAutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = READ_ERRORS if self.method in ("GET", "HEAD") else ERRORS
        for code in codes:
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=str(ERRORS[code])),
                    code,
                    direction=direction,
                )
        return responses


class HashedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.HashedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": str(
                _("在“接口令牌”页面创建令牌；请求头 Authorization: Token <密钥>（或 Bearer）。")
            ),
        }

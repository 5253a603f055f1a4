"""Forms for logging in, changing a password and editing one's own profile."""

from __future__ import annotations

from typing import Any, cast

from captcha.fields import CaptchaField, CaptchaTextInput
from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from xueshi.core.forms import StyledFormMixin
from xueshi.core.identifiers import clean_id_number, clean_phone
from xueshi.orgs.models import Department, Organization, OrganizationKind

from .models import ETHNICITIES, Degree, Education, TitleGrade
from .registration import registration_login_message
from .services import initial_password


class BootstrapCaptchaInput(CaptchaTextInput):
    """The captcha image, the answer box and a refresh link, laid out for Bootstrap 5."""

    template_name = "accounts/widgets/captcha.html"


class LoginForm(StyledFormMixin, AuthenticationForm):
    """账号 + 密码 + image captcha. The captcha is checked before the password is tried."""

    error_messages = {
        "invalid_login": "账号或密码错误。",
        "inactive": "该账号已停用，请联系管理员。",
    }

    username = forms.CharField(
        label="账号",
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
        error_messages={"required": "请输入账号。"},
    )
    password = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": "请输入密码。"},
    )
    captcha = CaptchaField(
        label="验证码",
        widget=BootstrapCaptchaInput(attrs={"aria-label": "验证码", "autocomplete": "off"}),
        error_messages={
            "invalid": "验证码错误。",
            "required": "请输入验证码。",
            "incomplete": "请输入验证码。",
        },
    )

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].help_text = "身份证号、单位账号名或统一社会信用代码"

    def clean(self) -> dict[str, Any]:
        # Without a correct captcha the password is not tried at all, so a robot that cannot
        # read the image learns nothing and does not count toward the lockout either.
        if "captcha" in self.errors:
            return self.cleaned_data
        try:
            return super().clean()
        except ValidationError as error:
            # A registered account waiting for approval (or refused) says so, but only to
            # someone who typed its password; anyone else reads "账号或密码错误".
            waiting = registration_login_message(
                self.cleaned_data.get("username", ""), self.cleaned_data.get("password", "")
            )
            if waiting:
                raise ValidationError(waiting, code="registration_waiting") from error
            raise


class ChangePasswordForm(StyledFormMixin, PasswordChangeForm):
    """Django's change form, styled, refusing the old password and the initial one."""

    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "原密码错误，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致。",
        "password_unchanged": "新密码不能与原密码相同。",
        "password_initial": "新密码不能是初始密码（身份证号后六位）。",
    }

    def __init__(self, user: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(user, *args, **kwargs)
        self.fields["old_password"].label = "原密码"
        self.fields["new_password1"].label = "新密码"
        self.fields["new_password2"].label = "确认新密码"

    def clean_new_password1(self) -> str:
        password: str = self.cleaned_data["new_password1"]
        person = getattr(self.user, "person", None)
        if person is not None and password == initial_password(person.id_number):
            raise ValidationError(self.error_messages["password_initial"], code="password_initial")
        if password == self.cleaned_data.get("old_password"):
            raise ValidationError(
                self.error_messages["password_unchanged"], code="password_unchanged"
            )
        return password

    def validate_password_for_user(
        self,
        user: Any,
        password_field_name: str = "password2",  # noqa: S107 (a field name)
    ) -> None:
        password = self.cleaned_data.get(password_field_name)
        if not password:
            return
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            self.add_error(password_field_name, error)

    def clean(self) -> dict[str, Any]:
        # As Django's, except that rule violations show beside 新密码, where they were typed.
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        return forms.Form.clean(self)  # type: ignore[return-value]


class ProfileForm(StyledFormMixin, forms.Form):
    """What a person may edit about themselves: phone, specialty, department in their unit."""

    phone = forms.CharField(
        label="联系电话",
        max_length=20,
        required=False,
        help_text="11 位手机号，或带区号的固定电话",
    )
    specialty = forms.CharField(
        label="认定专业",
        max_length=100,
        required=False,
        help_text="职称系列/专业/等级，如 教师系列/高校教师/教授",
    )
    title_grade = forms.ChoiceField(
        label="职称等级",
        choices=TitleGrade.choices,
        initial=TitleGrade.NONE,
        required=False,
        help_text="部分地区（如新疆）按职称等级确定认定单位",
    )
    department = forms.ModelChoiceField(
        label="所属部门",
        queryset=Department.objects.none(),
        required=False,
        empty_label="（不选择部门）",
        error_messages={"invalid_choice": "请选择本单位的部门。"},
    )

    def __init__(self, *args: Any, departments: QuerySet[Department], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if departments.exists():
            cast(forms.ModelChoiceField, self.fields["department"]).queryset = departments
        else:
            # No unit ("其他单位"), or a unit without departments: nothing to choose from.
            del self.fields["department"]

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data.get("phone", "")
        return clean_phone(phone) if phone else ""


class OTPCodeForm(StyledFormMixin, forms.Form):
    """The six-digit code of the authenticator app (or, at login, a recovery code)."""

    token = forms.CharField(
        label="动态口令",
        max_length=20,
        strip=True,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={
            "required": "请输入动态口令。",
            "max_length": "动态口令为 6 位数字，恢复码为 8 位字母和数字，请核对。",
        },
    )


class RoleGrantForm(StyledFormMixin, forms.Form):
    """The security admin gives a role: a platform role, or an organisation's admin role."""

    kind = forms.ChoiceField(label="角色", choices=(), error_messages={"required": "请选择角色。"})
    credit_code = forms.CharField(
        label="机构统一社会信用代码",
        max_length=18,
        required=False,
        help_text="认定机构、主管部门、继续教育基地管理员须填写所属机构的统一社会信用代码",
    )

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [("", "请选择"), *kinds]


class DetailsForm(StyledFormMixin, forms.Form):
    """个人详细信息 (issue 13 item 11): 一寸照, 民族, 文化程度, 学位, 紧急联系电话, and where the
    region has yearly applications, 申报区域 and 认定专业 from the profile's lists."""

    photo = forms.FileField(
        label="一寸照",
        required=False,
        help_text="证书发放使用；jpg 或 png，不超过 2 MB",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    ethnicity = forms.ChoiceField(
        label="民族", required=False, choices=[("", "请选择")] + [(e, e) for e in ETHNICITIES]
    )
    education = forms.ChoiceField(
        label="文化程度", required=False, choices=[("", "请选择"), *Education.choices]
    )
    degree = forms.ChoiceField(
        label="学位", required=False, choices=[("", "请选择"), *Degree.choices]
    )
    emergency_phone = forms.CharField(label="紧急联系电话", max_length=20, required=False)
    declaring_region = forms.ChoiceField(label="申报区域", required=False)
    specialty = forms.ChoiceField(label="认定专业", required=False)

    def __init__(
        self,
        *args: Any,
        regions: list[tuple[str, str]],
        tracks: list[tuple[str, list[tuple[str, str]]]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name in ("ethnicity", "education", "degree"):
            cast(forms.ChoiceField, self.fields[name]).error_messages["invalid_choice"] = (
                "请从列表中选择。"
            )
        if regions:
            region = cast(forms.ChoiceField, self.fields["declaring_region"])
            region.choices = [("", "请选择申报区域"), *regions]
            region.help_text = "自治区认定高级及正高，地州市级认定初、中级"
            specialty = cast(forms.ChoiceField, self.fields["specialty"])
            specialty.choices = [("", "请选择认定专业"), *tracks]
            specialty.help_text = "职称系列/专业/等级；所选申报区域不认定的等级会被清空"
            specialty.error_messages["invalid_choice"] = "请从列表中选择认定专业。"
        else:
            del self.fields["declaring_region"]
            del self.fields["specialty"]


class RegistrationForm(StyledFormMixin, forms.Form):
    """个人注册: ID number, name, phone, e-mail (optional), password twice, unit, captcha."""

    id_number = forms.CharField(
        label="身份证号",
        max_length=30,
        error_messages={"required": "请输入身份证号。", "max_length": "身份证号应为 18 位。"},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="18 位居民身份证号，注册后作为登录账号",
    )
    name = forms.CharField(label="姓名", max_length=50, error_messages={"required": "请输入姓名。"})
    phone = forms.CharField(
        label="手机号",
        max_length=20,
        error_messages={"required": "请输入手机号。"},
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
        help_text="审核结果以短信告知，也用于找回密码",
    )
    email = forms.EmailField(
        label="电子邮箱",
        required=False,
        error_messages={"invalid": "请输入有效的电子邮箱地址。"},
        help_text="选填；填写后审核结果同时发送邮件",
    )
    password1 = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "请设置密码。"},
        help_text="至少 8 位，含大写字母、小写字母、数字、符号中的三类",
    )
    password2 = forms.CharField(
        label="确认密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "请再次输入密码。"},
    )
    unit = forms.CharField(
        label="工作单位",
        widget=forms.HiddenInput,
        error_messages={"required": "请先搜索并选择工作单位。"},
    )
    captcha = LoginForm.base_fields["captcha"]

    def clean_id_number(self) -> str:
        value: str = self.cleaned_data["id_number"]
        return clean_id_number(value)

    def clean_phone(self) -> str:
        phone: str = self.cleaned_data.get("phone", "")
        return clean_phone(phone)

    def clean_unit(self) -> Organization:
        value = self.cleaned_data["unit"].strip()
        unit = (
            Organization.objects.filter(kind=OrganizationKind.UNIT, pk=value).first()
            if value.isascii() and value.isdigit() and len(value) < 19
            else None
        )
        if unit is None:
            raise ValidationError("所选单位不存在，请重新搜索选择。")
        return unit

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("password1")
            and data.get("password2")
            and data["password1"] != data["password2"]
        ):
            self.add_error("password2", "两次输入的密码不一致。")
        return data

    @property
    def chosen_label(self) -> str:
        value = (self.data.get("unit") or "").strip() if self.is_bound else ""
        if value.isascii() and value.isdigit() and len(value) < 19:
            unit = Organization.objects.filter(pk=value).only("name").first()
            return unit.name if unit else ""
        return ""


class RegistrationRefuseForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(
        label="不通过原因",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写不通过的原因。"},
    )

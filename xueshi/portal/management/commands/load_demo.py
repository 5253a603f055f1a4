from typing import Any

from django.core.management.base import BaseCommand

from xueshi.portal.demo import load_demo


class Command(BaseCommand):
    help = (
        "为五个示范地区（安阳、河南、广西、浙江建设、新疆）建立演示机构、管理员和专业技术人员，"
        "并打印登录账号。"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        logins = load_demo()
        self.stdout.write(
            self.style.SUCCESS("演示数据已就绪。演示账号（登录页的验证码照图输入）：")
        )
        width = max(len(login.username) for login in logins)
        current = None
        for login in logins:
            if login.region != current:
                current = login.region
                self.stdout.write(f"\n[{current}]")
            username = login.username.ljust(width)
            self.stdout.write(f"  {username}  {login.password:<12}  {login.role:<16} {login.who}")
        self.stdout.write("")

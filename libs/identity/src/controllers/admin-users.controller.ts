import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '@nanopod/common';
import { AdminOnly } from '../auth/decorators';
import { ListUsersQueryDto, UserDto, UserListDto } from '../dto/user.dto';
import { UsersService } from '../services/users.service';

@ApiTags('admin')
@Controller('v1/admin/users')
export class AdminUsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @AdminOnly()
  @ApiOperation({ summary: 'List users (admin)' })
  @ApiOkResponse({ type: UserListDto })
  @ApiErrors(400)
  async list(@Query() query: ListUsersQueryDto): Promise<UserListDto> {
    const [rows, total] = await this.users.list({
      limit: query.limit ?? 50,
      offset: query.offset ?? 0,
    });
    return { data: rows.map((u) => UserDto.from(u)), total };
  }
}

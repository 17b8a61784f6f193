// The simulator's Chinese ret_msg per ret_code: LianLian always answers its messages in Chinese.

const MESSAGES: Readonly<Record<string, string>> = {
  '0000': '交易成功',
  // pre-authorization states
  '2003': '交易已创建',
  '2006': '交易已过期',
  PR07: '预授权成功',
  PR08: '预授权待验证',
  PR09: '预授权处理中',
  PR10: '预授权失败',
  PR11: '预授权完成成功',
  PR12: '预授权完成处理中',
  PR13: '预授权完成失败',
  PR14: '预授权撤销成功',
  PR15: '预授权撤销处理中',
  PR16: '预授权撤销失败',
  // errors (LianLian's return-code table)
  '1000': '支付授权令牌失效或错误',
  '1001': '签名验证失败',
  '1003': '交易正在处理中，请勿重复提交',
  '1004': '商户请求参数校验错误',
  '1007': '网络繁忙，请稍后再试',
  '1008': '商户请求IP错误',
  '1009': '暂停商户支付服务',
  '1012': '请求报文解析失败',
  '3001': '非法的商户',
  '3010': '商户无此业务权限',
  '1901': '短信码已失效',
  '4009': '短信验证码错误',
  '5002': '原始交易不存在',
  '8901': '无记录',
  '9002': '报文解析异常',
  '9092': '支付单号与订单号不一致',
  '9093': '无对应的支付单信息',
  '9999': '系统错误',
};

/**
 * LianLian's Chinese `ret_msg` for a `ret_code` (a generic one for codes the simulator has no text for); `detail`
 * follows in full-width parentheses, as LianLian names the parameter of a 1004: `商户请求参数校验错误（api_version）`.
 */
export function retMsgFor(code: string, detail?: string): string {
  const text = MESSAGES[code] ?? '未知状态';
  return detail === undefined ? text : `${text}（${detail}）`;
}

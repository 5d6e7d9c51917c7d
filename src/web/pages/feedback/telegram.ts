// The signed-in admin's Telegram link on the feedback inbox: its state (server-rendered into data attributes), link,
// change and unlink.
import { button, byId, el, errorMessage, input, sendJson } from '../dom.ts'
import { timeEl } from '../time.ts'
import type { TelegramLink } from '../api.ts'

function render() {
  const box = byId('fb-telegram')
  const configured = box.getAttribute('data-configured') === 'true'
  const chat = box.getAttribute('data-chat-id') ?? ''
  const linkedAt = box.getAttribute('data-linked-at') ?? ''
  const bot = byId('fb-tg-bot')
  bot.className = `fb-tg-bot ${configured ? 'on' : 'off'}`
  bot.textContent = configured ? 'Bot token configured' : 'No bot token configured'
  bot.title = configured ? 'TELEGRAM_BOT_TOKEN is set' : 'Set TELEGRAM_BOT_TOKEN on the server to send messages'
  byId('fb-tg-state').replaceChildren(...(chat
    ? ['Linked to chat ', el('code', { id: 'fb-tg-current' }, chat), linkedAt ? ' since ' : '', linkedAt ? timeEl(linkedAt) : '', configured ? '.' : ': nothing is sent until a bot token is configured.']
    : [el('span', { class: 'muted' }, 'Not linked: you get no Telegram messages about new reports.')]))
  if (document.activeElement !== input('fb-tg-chat')) input('fb-tg-chat').value = chat
  byId('fb-tg-unlink').hidden = !chat
  byId('fb-tg-link').textContent = chat ? 'Change' : 'Link'
}

async function link(chatId: string | null) {
  const err = byId('fb-tg-error')
  err.hidden = true
  for (const b of [button('fb-tg-link'), button('fb-tg-unlink')]) b.disabled = true
  try {
    const r = await sendJson<TelegramLink>('POST', '/api/admin/telegram-link', { chat_id: chatId })
    const box = byId('fb-telegram')
    box.setAttribute('data-configured', r.telegram_configured ? 'true' : 'false')
    box.setAttribute('data-chat-id', r.chat_id ?? '')
    box.setAttribute('data-linked-at', r.linked_at ?? '')
    input('fb-tg-chat').value = r.chat_id ?? ''
    render()
  } catch (e) {
    err.hidden = false
    err.textContent = `Could not ${chatId === null ? 'unlink the chat' : 'link the chat'}: ${errorMessage(e)}`
  } finally {
    for (const b of [button('fb-tg-link'), button('fb-tg-unlink')]) b.disabled = false
  }
}

export function startTelegram(): void {
  byId('fb-tg-form').addEventListener('submit', (e) => {
    e.preventDefault()
    const v = input('fb-tg-chat').value.trim()
    if (!v) {
      byId('fb-tg-error').hidden = false
      byId('fb-tg-error').textContent = 'Enter your chat id (a number, or @channelname).'
      return
    }
    void link(v)
  })
  byId('fb-tg-unlink').addEventListener('click', () => void link(null))
  render()
}

// Issue 13's bar through the independent emulator telegram-test-api (npm): five questions the
// article does not answer (one asked by two users) and two it does, each from its own private
// chat. Run by curator_bar.sh, which starts and stops the bot around it; not run by pytest.
// The emulator leaves out User.is_bot, which the Bot API always sends, and dates sent messages
// in milliseconds; python-telegram-bot refuses both, so every answer is completed here.
const sendResultModule = require('telegram-test-api/lib/modules/sendResult');
const original = sendResultModule.sendResult;
function complete(value) {
  if (Array.isArray(value)) { value.forEach(complete); return; }
  if (value && typeof value === 'object') {
    if ('first_name' in value && 'id' in value && !('type' in value) && !('is_bot' in value)) value.is_bot = value.id === 666;
    if (typeof value.date === 'number' && value.date > 1e11) value.date = Math.floor(value.date / 1000);
    Object.values(value).forEach(complete);
  }
}
sendResultModule.sendResult = (req, res, next) => original(req, res, () => {
  const inner = res.sendResult;
  res.sendResult = (p) => inner(Promise.resolve(p).then((d) => { complete(d); return d; }));
  next();
});
const TelegramServer = require('telegram-test-api');
const token = '123456789:' + 'A'.repeat(35);
const port = 9123;
const unanswered = ['how do I bake sourdough bread?', 'what is the weather in paris tomorrow',
  'who won the world cup in 2018', 'best pizza in naples', 'how much does a tesla cost'];
const answered = ['who heads roscosmos?', 'what did rogozin admit'];
(async () => {
  const server = new TelegramServer({ port, host: '127.0.0.1', storeTimeout: 600 });
  await server.start();
  console.log('READY');
  process.stdin.once('data', async () => {
    const asks = [];
    unanswered.forEach((q, i) => asks.push([918273640 + i, q]));
    asks.push([827364519, unanswered[0]]);
    answered.forEach((q, i) => asks.push([736451920 + i, q]));
    for (const [userId, text] of asks) {
      const client = server.getClient(token, { userId, chatId: userId, firstName: `Reader${userId}`, userName: `reader${userId}`, timeout: 15000 });
      await client.sendMessage(client.makeMessage(text));
      const updates = await client.getUpdates();
      const reply = updates.result[0].message;
      console.log(JSON.stringify({ userId, text, reply: reply.text.slice(0, 60), buttons: (reply.reply_markup || {}).inline_keyboard }));
    }
    console.log('DONE');
    process.stdin.once('data', async () => { await server.stop(); process.exit(0); });
  });
})();
